"""Speech-to-text engines behind one interface: whisper and vosk."""
