"""Wake-word detectors behind one interface."""
