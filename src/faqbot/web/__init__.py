"""The web layer: one blueprint per audience (api, items, chat), plus security headers."""
