"""Production entry point: `gunicorn wsgi:app`."""

import gc

from shopfloor import create_app

app = create_app()

# What is loaded by now (modules, the app, its registries: about 140,000 objects) lives as
# long as the worker. Frozen, it is no longer walked by the cycle collector's full passes,
# which otherwise land on whichever request sets one off: at N = 200,000 they added 70-90 ms
# to about one completion of an order in a dozen (30-40 ms otherwise), and so made its p95
# (see BENCHMARKS.md).
gc.freeze()
