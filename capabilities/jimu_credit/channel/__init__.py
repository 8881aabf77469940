"""The channel domain: applications as the app, the web, partner platforms and the counter send them."""
