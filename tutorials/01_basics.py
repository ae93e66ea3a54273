# %% [markdown]
# # TensorFlow basics, with minitf
#
# The cells of TensorFlow's "basics" guide, run unchanged with `import minitf as tf`.
# Each cell prints what TensorFlow 2.21 prints (random draws aside).

# %%
import minitf as tf
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

# %% [markdown]
# ## Tensors

# %%
x = tf.constant([[1., 2., 3.],
                 [4., 5., 6.]])
print(x)
print(x.shape)
print(x.dtype)

# %%
print(repr(x + x))
print(repr(5 * x))
print(repr(x @ tf.transpose(x)))
print(repr(tf.concat([x, x, x], axis=0)))
print(repr(tf.nn.softmax(x, axis=-1)))
print(repr(tf.reduce_sum(x)))
print(repr(tf.convert_to_tensor([1,2,3])))
print(repr(tf.reduce_sum([1,2,3])))

# %%
if tf.config.list_physical_devices('GPU'):
  print("TensorFlow **IS** using the GPU")
else:
  print("TensorFlow **IS NOT** using the GPU")

# %% [markdown]
# ## Variables

# %%
var = tf.Variable([0.0, 0.0, 0.0])
print(repr(var.assign([1, 2, 3])))
print(repr(var.assign_add([1, 1, 1])))

# %% [markdown]
# ## Automatic differentiation

# %%
x = tf.Variable(1.0)

def f(x):
  y = x**2 + 2*x - 5
  return y

print(repr(f(x)))

# %%
with tf.GradientTape() as tape:
  y = f(x)

g_x = tape.gradient(y, x)  # g(x) = dy/dx
print(repr(g_x))
