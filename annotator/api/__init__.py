"""The REST API: thin DRF views that parse input, call a service or selector, and render output."""
