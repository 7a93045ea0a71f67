"""Text-to-speech engines behind one interface: piper."""
