// OfflineRL: datasets (D4RL HDF5, Minari, NPZ), the Dataset value, data collection; later the baselines.
