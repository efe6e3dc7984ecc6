"""preflight: will this ECS ExportImage succeed, and is it safe? It checks; it never exports."""

__version__ = "0.1.0"
__all__ = ["__version__"]
