"""Audio: formats and WAV files, resampling, devices, microphones, speakers, tones, VAD, endpointing."""
