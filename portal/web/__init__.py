"""The web layer: route table, middleware, templating and page handlers."""
