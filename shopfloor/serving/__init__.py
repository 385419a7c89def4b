"""Serving Shopfloor on the workshop network: this machine's addresses, the local certificate
authority that lets phones trust its HTTPS, and the launcher behind `make run`."""
