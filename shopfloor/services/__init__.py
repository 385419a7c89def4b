"""Commands: one public function = one command = one transaction (see database.command)."""
