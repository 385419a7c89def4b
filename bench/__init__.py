"""The benchmark (`make bench`) and the synthetic history it runs on."""
