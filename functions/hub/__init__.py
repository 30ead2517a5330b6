"""Safeguarding Hub: multi-agency FHIR R4 messaging with safeguarding rules."""
__version__ = "0.1.0"
