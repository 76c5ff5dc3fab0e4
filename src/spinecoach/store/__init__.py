"""The clinical record on SQLAlchemy 2: tables, JSON documents, repositories, a unit of work.

SQLite (WAL, foreign keys on) by default, PostgreSQL through psycopg 3; one Alembic chain serves
both. The domain never imports this package.
"""
