"""qpv: the report « Pour renforcer la résilience des quartiers prioritaires de la ville —
Les actions clés » as a searchable, filterable, exportable catalogue."""

__version__ = "0.1.0"
