"""Model files: the catalog, paths, downloads, GGUF headers, the memory budget, engine loading."""
