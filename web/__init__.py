"""Crisis Desk's web areas beyond search itself, one blueprint per area (registered by ``app.create_app``).

``protection`` (secret key, CSRF on forms, same-origin JSON), ``saved`` (saved searches and their Atom
feeds), ``batch`` (many queries at once). They read the index through ``app.search_index()``.
"""
