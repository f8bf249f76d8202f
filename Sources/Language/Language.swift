// Language: source → tokens → syntax → resolved program → values. No numeric dependency.
