"""The always-on pipeline: phases, turns, replies, devices, early starts."""
