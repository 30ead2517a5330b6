"""Thin Lambda handlers: parse, call the core, apply effects through adapters from `hub.bootstrap`."""
