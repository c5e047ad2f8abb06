"""FAQ knowledge base: entries editors keep in `data/faq/*.yml`."""
