"""The web layer: server-rendered pages and the charts they (and the PDF reports) share."""
