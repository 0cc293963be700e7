"""The benchmark suite (`make bench`): never imported by the portal itself."""
