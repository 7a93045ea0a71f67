"""Shared plumbing of every stage: errors, clock, events, worker threads, CPU sharing."""
