"""Model files: ``.npz`` arrays plus JSON metadata, never pickle.

``model_file`` saves and loads; ``cnn_file`` is a convolutional network's part of a file.
"""
