"""Pure business rules: no Flask, no SQLAlchemy. Tests call these directly."""
