"""Label Studio: the server we run, the labeling config, conversion and sync."""
