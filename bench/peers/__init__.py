"""Peer servers the live benchmarks compare Boardroom against."""
