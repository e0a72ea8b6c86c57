"""Model files: ``.npz`` arrays plus JSON metadata, never pickle.

``model_file`` saves and loads, trusting nothing in a file; ``kinds`` is the
registry of the kinds of model a file can hold (fully connected, convolutional)
and what each kind's arrays and metadata must be.
"""
