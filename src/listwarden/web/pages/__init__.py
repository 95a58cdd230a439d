"""The web pages people use, rendered on the server with GOV.UK Frontend; no JavaScript needed."""
