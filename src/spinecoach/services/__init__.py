"""Use cases of the clinic service: the one seam shared by the CLI, the API, the web and batch.

Each use case takes a unit of work and an :class:`~spinecoach.services.actors.Actor`, runs in one
transaction, audits its reads and writes, and returns domain values or raises the error tree.
"""
