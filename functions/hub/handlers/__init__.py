"""Thin Lambda handlers: parse the event, call a service or port of this container's composition
(`hub.handlers.composition`), shape the reply."""
