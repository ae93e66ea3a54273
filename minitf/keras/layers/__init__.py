"""``tf.keras.layers``: the layer base class and the built-in layers.

Example:
    >>> import minitf as tf
    >>> model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"),
    ...                              tf.keras.layers.Dense(1)])
    >>> model(tf.ones([2, 3])).shape
    TensorShape([2, 1])
"""

from minitf.keras.functional import Input, InputLayer  # noqa: F401
from minitf.keras.layer import InputSpec, Layer  # noqa: F401
from minitf.keras.layers.activation_layers import ELU, PReLU  # noqa: F401
from minitf.keras.layers.bidirectional import Bidirectional  # noqa: F401
from minitf.keras.layers.convolutional import (  # noqa: F401
    AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D,
)
from minitf.keras.layers.convolutional1d import (  # noqa: F401
    AveragePooling1D, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D,
)
from minitf.keras.layers.core import (  # noqa: F401
    Activation, Dense, Dropout, Embedding, Flatten, Lambda, LeakyReLU, ReLU, Reshape, Softmax,
)
from minitf.keras.layers.merging import (  # noqa: F401
    Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add, average, concatenate,
    maximum, minimum, multiply, subtract,
)
from minitf.keras.layers.normalization import BatchNormalization, LayerNormalization  # noqa: F401
from minitf.keras.layers.preprocessing import Normalization, Rescaling  # noqa: F401
from minitf.keras.layers.recurrent import GRU, LSTM, SimpleRNN  # noqa: F401
from minitf.keras.layers.reshaping import (  # noqa: F401
    Cropping2D, Identity, Permute, RepeatVector, UpSampling2D, ZeroPadding2D,
)

# Keras's aliases.
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
Convolution2D = Conv2D
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
Convolution1D = Conv1D

__all__ = [n for n in dir() if not n.startswith("_")]
