"""`make bench`: measures rendering, end-to-end throughput, memory and latency on this machine."""
