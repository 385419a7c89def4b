"""The pages: one blueprint per area (`web/<area>/routes.py`), wired in `create_app`."""
