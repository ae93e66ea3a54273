# %% [markdown]
# # TensorFlow basics, with minitf
#
# This is TensorFlow's "basics" guide, cell for cell, with one change: the first line
# says `import minitf as tf`. Every value it prints is what TensorFlow 2.21 prints
# (random draws aside); a test in `tests/test_tutorials.py` checks that.
#
# The guide is a quick tour. Each section touches one idea — tensors, variables,
# gradients, graphs, modules, a training loop, Keras — and the tutorials after this one
# take each idea apart.
#
# Run it yourself with `python tutorials/01_basics.py`.

# %% [markdown]
# The guide saves a model to `./saved` and `./my_new_model`. We move into a fresh
# temporary directory first, so running this tutorial never leaves files in your checkout.

# %%
import os
import tempfile

os.chdir(tempfile.mkdtemp(prefix="minitf-basics-"))

# %%
import minitf as tf
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

# %% [markdown]
# ## Tensors
#
# A tensor is an n-dimensional array with one element type. Here is a matrix of
# two rows and three columns:

# %%
x = tf.constant([[1., 2., 3.],
                 [4., 5., 6.]])
print(x)
print(x.shape)
print(x.dtype)

# %% [markdown]
# Two attributes matter most. `shape` gives the size along each axis; `dtype` gives the
# type of every element. Python floats become `float32`, the default for machine learning.
#
# Tensors support the usual arithmetic, plus many operations made for machine learning.
# `@` is matrix multiplication, and `softmax` turns each row into probabilities:

# %%
print(repr(x + x))
print(repr(5 * x))
print(repr(x @ tf.transpose(x)))
print(repr(tf.concat([x, x, x], axis=0)))
print(repr(tf.nn.softmax(x, axis=-1)))
print(repr(tf.reduce_sum(x)))
print(repr(tf.convert_to_tensor([1,2,3])))
print(repr(tf.reduce_sum([1,2,3])))

# %% [markdown]
# Notice the last two lines: an operation that expects a tensor accepts anything
# `tf.convert_to_tensor` can convert, such as a Python list. Python ints become `int32`.
#
# Large computations are slow on a CPU. minitf, like TensorFlow, uses a GPU when it sees
# one: there, the hot operations run as Triton kernels (tutorial 11 shows one).

# %%
if tf.config.list_physical_devices('GPU'):
  print("TensorFlow **IS** using the GPU")
else:
  print("TensorFlow **IS NOT** using the GPU")

# %% [markdown]
# More in [Tensors](02_tensors.py).
#
# ## Variables
#
# A tensor never changes. Model weights must change, so they live in a `tf.Variable`:
# a named, mutable buffer that operations can read and `assign` methods can update.

# %%
var = tf.Variable([0.0, 0.0, 0.0])
print(repr(var.assign([1, 2, 3])))
print(repr(var.assign_add([1, 1, 1])))

# %% [markdown]
# More in [Variables](03_variables.py).
#
# ## Automatic differentiation
#
# Training a model means following the gradient of a loss downhill. TensorFlow computes
# gradients for you: this is automatic differentiation, or *autodiff*.
# Take a simple function:

# %%
x = tf.Variable(1.0)

def f(x):
  y = x**2 + 2*x - 5
  return y

print(repr(f(x)))

# %% [markdown]
# At `x = 1` the value is `1 + 2 - 5 = -2`. By hand, the derivative is `f'(x) = 2x + 2`,
# which is `4` at `x = 1`. A `GradientTape` records the operations run inside its
# `with` block, then works backwards through them to get the same number:

# %%
with tf.GradientTape() as tape:
  y = f(x)

g_x = tape.gradient(y, x)  # g(x) = dy/dx
print(repr(g_x))

# %% [markdown]
# One scalar is the simplest case. The same call returns gradients for any number of
# tensors of any shape at once. [Automatic differentiation](04_autodiff.py) opens the
# tape and shows what it recorded.
#
# ## Graphs and `tf.function`
#
# Running operations one by one from Python is convenient, but every step pays Python's
# overhead, and the program only exists as Python code. `tf.function` fixes both: it runs
# your Python function once with symbolic tensors and keeps the operations it saw as a
# *graph*. Later calls run the graph.

# %%
@tf.function
def my_func(x):
  print('Tracing.\n')
  return tf.reduce_sum(x)

# %% [markdown]
# The first call runs the Python body — so `print` runs, and we see `Tracing.` — while
# the graph is recorded:

# %%
x = tf.constant([1, 2, 3])
print(repr(my_func(x)))

# %% [markdown]
# The second call has inputs of the same shape and dtype, so it reuses the graph. The
# Python `print` is not part of the graph, so nothing is printed:

# %%
x = tf.constant([10, 9, 8])
print(repr(my_func(x)))

# %% [markdown]
# A different *signature* (here, `float32` instead of `int32`) needs a new graph, so the
# function is traced again:

# %%
x = tf.constant([10.0, 9.1, 8.2], dtype=tf.float32)
print(repr(my_func(x)))

# %% [markdown]
# A graph can be optimised as a whole, and it can be saved and run without the Python
# code that built it. [Graphs and functions](05_graphs_and_functions.py) prints one.
#
# ## Modules, layers and models
#
# `tf.Module` collects variables and the functions that use them. Two features build on
# it: `tf.train.Checkpoint` saves and restores variable values, and `tf.saved_model`
# saves the variables *and* the traced graphs, so the model runs without its class.

# %%
class MyModule(tf.Module):
  def __init__(self, value):
    self.weight = tf.Variable(value)

  @tf.function
  def multiply(self, x):
    return x * self.weight

# %%
mod = MyModule(3)
print(repr(mod.multiply(tf.constant([1, 2, 3]))))

# %% [markdown]
# Save the module, then load it back. The loaded object is not a `MyModule`: it is
# rebuilt from the saved graph and variables alone (minitf stores them as JSON and
# array files, and loading never runs code from the files).

# %%
save_path = './saved'
tf.saved_model.save(mod, save_path)

# %%
reloaded = tf.saved_model.load(save_path)
print(repr(reloaded.multiply(tf.constant([1, 2, 3]))))

# %% [markdown]
# Keras layers and models (`tf.keras.layers.Layer`, `tf.keras.Model`) are modules too,
# with extra conveniences for building and training. More in
# [Modules, layers and models](06_modules_layers_models.py).
#
# ## Training loops
#
# Now put the pieces together and fit a model. First, some data: points scattered
# around a parabola.

# %%
matplotlib.rcParams['figure.figsize'] = [9, 6]
x = tf.linspace(-2, 2, 201)
x = tf.cast(x, tf.float32)

def f(x):
  y = x**2 + 2*x - 5
  return y

y = f(x) + tf.random.normal(shape=[201])
plt.plot(x.numpy(), y.numpy(), '.', label='Data')
plt.plot(x, f(x), label='Ground truth')
plt.legend()

# %% [markdown]
# The model is a quadratic, `w_q·x² + w_l·x + b`, with three variables that start at
# random values:

# %%
class Model(tf.Module):

  def __init__(self):
    # Randomly generate weight and bias terms
    rand_init = tf.random.uniform(shape=[3], minval=0., maxval=5., seed=22)
    # Initialize model parameters
    self.w_q = tf.Variable(rand_init[0])
    self.w_l = tf.Variable(rand_init[1])
    self.b = tf.Variable(rand_init[2])

  @tf.function
  def __call__(self, x):
    # Quadratic Model : quadratic_weight * x^2 + linear_weight * x + bias
    return self.w_q * (x**2) + self.w_l * x + self.b

# %% [markdown]
# Before training, its predictions are far from the data:

# %%
quad_model = Model()

def plot_preds(x, y, f, model, title):
  plt.figure()
  plt.plot(x, y, '.', label='Data')
  plt.plot(x, f(x), label='Ground truth')
  plt.plot(x, model(x), label='Predictions')
  plt.title(title)
  plt.legend()

plot_preds(x, y, f, quad_model, 'Before training')

# %% [markdown]
# The loss measures how wrong the model is. For real-valued predictions the usual choice
# is the mean squared error: the average of `(prediction - target)²` over the examples.

# %%
def mse_loss(y_pred, y):
  return tf.reduce_mean(tf.square(y_pred - y))

# %% [markdown]
# The loop: shuffle the data into mini-batches of 32 with `tf.data`, and for each batch
# record the loss on a tape, take its gradient with respect to the model's variables,
# and step each variable a little against its gradient.

# %%
batch_size = 32
dataset = tf.data.Dataset.from_tensor_slices((x, y))
dataset = dataset.shuffle(buffer_size=x.shape[0]).batch(batch_size)

# %%
# Set training parameters
epochs = 100
learning_rate = 0.01
losses = []

# Format training loop
for epoch in range(epochs):
  for x_batch, y_batch in dataset:
    with tf.GradientTape() as tape:
      batch_loss = mse_loss(quad_model(x_batch), y_batch)
    # Update parameters with respect to the gradient calculations
    grads = tape.gradient(batch_loss, quad_model.variables)
    for g,v in zip(grads, quad_model.variables):
        v.assign_sub(learning_rate*g)
  # Keep track of model loss per epoch
  loss = mse_loss(quad_model(x), y)
  losses.append(loss)
  if epoch % 10 == 0:
    print(f'Mean squared error for step {epoch}: {loss.numpy():0.3f}')

# Plot model results
print("\n")
plt.plot(range(epochs), losses)
plt.xlabel("Epoch")
plt.ylabel("Mean Squared Error (MSE)")
plt.title('MSE loss vs training iterations')

# %% [markdown]
# The loss falls towards 1: the variance of the noise we added, which no model can
# remove. The fitted curve now follows the data:

# %%
plot_preds(x, y, f, quad_model, 'After training')

# %% [markdown]
# ## The same model with Keras
#
# Writing the loop yourself shows every step. `tf.keras` packages the common ones:
# `compile` picks the loss and the optimizer, and `fit` runs the loop.
#
# A `Dense` layer learns a linear map `W·x + b`. To learn `w₁·x² + w₂·x + b` with it,
# feed it the features `x` and `x²`: a `Lambda` layer stacks them.

# %%
new_model = tf.keras.Sequential([
    tf.keras.layers.Lambda(lambda x: tf.stack([x, x**2], axis=1)),
    tf.keras.layers.Dense(units=1, kernel_initializer=tf.random.normal)])

# %%
new_model.compile(
    loss=tf.keras.losses.MSE,
    optimizer=tf.keras.optimizers.SGD(learning_rate=0.01))

history = new_model.fit(x, y,
                        epochs=100,
                        batch_size=32,
                        verbose=0)

new_model.save('./my_new_model')

# %% [markdown]
# `fit` returns a `History` whose `history` dict holds the loss of every epoch:

# %%
plt.plot(history.history['loss'])
plt.xlabel('Epoch')
plt.ylim([0, max(plt.ylim())])
plt.ylabel('Loss [Mean Squared Error]')
plt.title('Keras training progress')

# %%
plot_preds(x, y, f, new_model, 'After Training: Keras')

# %% [markdown]
# ## What you learned, and where to go next
#
# - Tensors are immutable arrays with a shape and a dtype; variables hold the state
#   that changes.
# - `GradientTape` records operations and returns gradients.
# - `tf.function` traces Python into a graph and retraces only for new signatures.
# - A `tf.Module` groups variables and functions, and can be checkpointed or saved.
# - A training loop is: loss under a tape, gradients, a small step — or Keras's `fit`.
#
# Next: [Tensors](02_tensors.py) takes the first idea apart. To see what minitf does
# differently from TensorFlow, read [minitf and TensorFlow](../docs/minitf-and-tensorflow.md).
