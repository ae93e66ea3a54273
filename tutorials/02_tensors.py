# %% [markdown]
# # Tensors
#
# Everything minitf computes is a tensor: an n-dimensional array whose elements all
# share one type. This tutorial covers how to make tensors, read their shape and dtype,
# index and reshape them, and how two tensors of different shapes combine
# (broadcasting). It also shows one place where TensorFlow is stricter than NumPy:
# it never changes a dtype behind your back.
#
# Run it with `python tutorials/02_tensors.py`.

# %%
import numpy as np
import minitf as tf

# %% [markdown]
# ## Rank: how many axes
#
# A *scalar* has no axes (rank 0). A *vector* has one, a *matrix* two. Python ints become
# `int32` and Python floats `float32`, unless you ask for another dtype.

# %%
rank_0_tensor = tf.constant(4)
rank_1_tensor = tf.constant([2.0, 3.0, 4.0])
rank_2_tensor = tf.constant([[1, 2], [3, 4], [5, 6]], dtype=tf.float16)
print(rank_0_tensor)
print(rank_1_tensor)
print(rank_2_tensor)

# %% [markdown]
# Nothing stops at two axes. A batch of three images, each 2 pixels tall and 5 wide, is a
# rank-3 tensor:

# %%
rank_3_tensor = tf.constant([
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]],
    [[10, 11, 12, 13, 14], [15, 16, 17, 18, 19]],
    [[20, 21, 22, 23, 24], [25, 26, 27, 28, 29]]])

print("shape:", rank_3_tensor.shape)
print("rank: ", rank_3_tensor.ndim)
print("size: ", tf.size(rank_3_tensor).numpy())

# %% [markdown]
# `tensor.shape` is known without running anything. The op `tf.shape(t)` returns the
# shape as a tensor instead; inside a traced function (tutorial 05) that is the one to use
# when a dimension is only known at run time.

# %%
print(repr(tf.shape(rank_3_tensor)))
print(rank_3_tensor.shape.as_list())

# %% [markdown]
# ## From and to NumPy
#
# `.numpy()` gives you a NumPy array (and `np.array(t)` works too). Going the other
# way, any op accepts NumPy arrays and nested lists. A NumPy array keeps its dtype:
# `float64` stays `float64`.

# %%
print(rank_2_tensor.numpy())
print(repr(tf.constant(np.arange(3.0))))

# %% [markdown]
# ## Math
#
# Operators work element by element; `@` is the matrix product. Each operator is also a
# named function (`tf.add`, `tf.multiply`, `tf.matmul`).

# %%
a = tf.constant([[1, 2], [3, 4]])
b = tf.constant([[1, 1], [1, 1]])
print(a + b, "\n")
print(a * b, "\n")
print(a @ b)

# %% [markdown]
# Reductions summarise along axes, and many ops are made for machine learning:

# %%
c = tf.constant([[4.0, 5.0], [10.0, 1.0]])
print(tf.reduce_max(c))
print(tf.math.argmax(c))      # index of the largest value in each column
print(tf.nn.softmax(c))       # each row becomes probabilities that sum to 1

# %% [markdown]
# ## Indexing
#
# Indexing follows Python and NumPy: from 0, negative indices count from the end, and
# `start:stop:step` slices. A scalar index removes that axis; a slice keeps it.

# %%
print(rank_1_tensor[0].numpy())
print(rank_1_tensor[1:].numpy())
print(rank_1_tensor[::-1].numpy())

# %% [markdown]
# With several axes, give one index per axis. Here: the last pixel column of every
# row of every image. `...` stands for "all the axes in between".

# %%
print(rank_3_tensor[:, :, 4])
print(rank_3_tensor[..., 2:4].shape)

# %% [markdown]
# ## Reshaping
#
# `tf.reshape` re-reads the same elements, in the same row-major order, with a new
# shape. It copies nothing. One dimension may be `-1`: "whatever fits".

# %%
print(tf.reshape(rank_3_tensor, [-1]))
print(tf.reshape(rank_3_tensor, [3 * 2, 5]))

# %% [markdown]
# A reshape that does not fit is an error, and the message says what to check:

# %%
try:
    tf.reshape(rank_3_tensor, [7, -1])
except tf.errors.InvalidArgumentError as e:
    print(type(e).__name__ + ":", e)

# %% [markdown]
# Reshaping never reorders elements. To swap axes, use `tf.transpose`:

# %%
print(tf.transpose(rank_2_tensor))

# %% [markdown]
# ## Dtypes: no silent conversions
#
# NumPy happily adds an `int32` array to a `float32` one. TensorFlow refuses: mixing
# dtypes is usually a bug (an integer label where a float was meant), and a silent
# conversion would hide it. minitf follows TensorFlow, and its message names the fix:

# %%
try:
    tf.constant([1, 2]) + tf.constant([1.0, 2.0])
except tf.errors.InvalidArgumentError as e:
    print(type(e).__name__ + ":", e)

# %% [markdown]
# Convert explicitly with `tf.cast`. Casting floats to integers truncates:

# %%
the_f64_tensor = tf.constant([2.2, 3.3, 4.4], dtype=tf.float64)
the_f16_tensor = tf.cast(the_f64_tensor, dtype=tf.float16)
the_u8_tensor = tf.cast(the_f16_tensor, dtype=tf.uint8)
print(the_u8_tensor)

# %% [markdown]
# Python numbers are the exception: they take the dtype of the tensor they meet, so
# `x * 2` works for any numeric `x`. And `/` on integers gives `float64`, as in TensorFlow:

# %%
print(tf.constant([1, 2, 3]) * 2)
print(tf.constant([1, 2, 3]) / tf.constant([2, 2, 2]))

# %% [markdown]
# ## Broadcasting
#
# When shapes differ, the smaller tensor is *stretched* to match, NumPy's rules: align
# the shapes at the right; each pair of dimensions must be equal, or one of them 1.
# A column `(3, 1)` times a row `(4,)` gives a `(3, 4)` table:

# %%
x = tf.reshape(tf.constant([1, 2, 3]), [3, 1])
y = tf.range(1, 5)
table = x * y
print(table)

# %% [markdown]
# `tf.broadcast_to` does the stretching on its own. In minitf every binary op calls it
# explicitly before the elementwise primitive, so the primitives only ever see equal
# shapes. That makes gradients simple: the gradient of `broadcast_to` sums the cotangent
# back to the small shape (tutorial 04 shows it on a tape).

# %%
print(tf.broadcast_to(tf.constant([1, 2, 3]), [3, 3]))

# %% [markdown]
# A picture of the broadcast table: each cell is row × column.

# %%
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

plt.figure(figsize=(4, 3))
plt.imshow(table.numpy(), cmap="viridis")
plt.colorbar()
plt.xticks(range(4), [str(v) for v in y.numpy()])
plt.yticks(range(3), [str(v) for v in x.numpy().ravel()])
plt.title("x (3, 1) * y (4,) -> (3, 4)")

# %% [markdown]
# ## What you learned, and where to go next
#
# - A tensor has a shape (`.shape`, or `tf.shape` at run time) and one dtype.
# - Indexing and slicing follow NumPy; `tf.reshape` re-reads elements in order,
#   `tf.transpose` reorders them.
# - Dtypes never change silently: use `tf.cast`. Python numbers adapt to the tensor.
# - Broadcasting stretches size-1 dimensions; minitf makes it an explicit op.
#
# Try: make a `(2, 1, 3)` tensor and a `(4, 1)` one and predict the shape of their sum
# before you print it.
#
# Next: tensors never change, so where do model weights live? [Variables](03_variables.py).
