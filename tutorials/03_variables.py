# %% [markdown]
# # Variables
#
# A tensor's value never changes. A model's weights must change at every training step,
# so they live in a `tf.Variable`: a mutable buffer with a fixed shape and dtype that
# operations read and `assign` methods update.
#
# This tutorial covers creating, reading and updating variables, what their names are
# for, and how they interact with gradients and traced functions.
#
# Run it with `python tutorials/03_variables.py`.

# %%
import minitf as tf

# %% [markdown]
# ## Creating a variable
#
# Give `tf.Variable` an initial value: anything `tf.constant` accepts. The shape and
# dtype come from that value and are fixed from now on.

# %%
my_tensor = tf.constant([[1.0, 2.0], [3.0, 4.0]])
my_variable = tf.Variable(my_tensor)
print(my_variable)
print("Shape:", my_variable.shape)
print("DType:", my_variable.dtype)
print("As NumPy:", my_variable.numpy())

# %% [markdown]
# ## Reading: a variable works wherever a tensor does
#
# Ops read the variable's *current* value and return ordinary tensors. The variable
# itself is untouched.

# %%
print("Viewed as a tensor:", tf.convert_to_tensor(my_variable))
print("Index of highest value:", tf.math.argmax(my_variable))
print("Reshaped copy:", tf.reshape(my_variable, [1, 4]))

# %% [markdown]
# ## Updating: `assign`, `assign_add`, `assign_sub`
#
# These write into the variable's buffer. The new value is converted to the variable's
# dtype (here the ints become floats), but the shape must match exactly:

# %%
a = tf.Variable([2.0, 3.0])
a.assign([1, 2])
print(a.numpy())

try:
    a.assign([1.0, 2.0, 3.0])
except ValueError as e:
    print(f"{type(e).__name__}: {e}")

# %% [markdown]
# A variable made from another variable is a *copy*: the two share nothing.

# %%
a = tf.Variable([2.0, 3.0])
b = tf.Variable(a)
a.assign([5, 6])
print(a.numpy(), b.numpy())
print(a.assign_add([2, 3]).numpy())   # [7, 9]
print(a.assign_sub([7, 9]).numpy())   # [0, 0]

# %% [markdown]
# ## Names and trainability
#
# Names help you read a model summary or a checkpoint, but they are not unique keys:
# two variables may share a name. (Checkpoints find variables through the objects that
# hold them, not by name — see tutorial 10.)

# %%
a = tf.Variable(my_tensor, name="Mark")
b = tf.Variable(my_tensor + 1, name="Mark")
print(a.name, b.name)

# %% [markdown]
# Some state is not a weight: a step counter, say. Mark it `trainable=False` and
# gradient tapes will not watch it automatically.

# %%
step_counter = tf.Variable(1, trainable=False)
print(step_counter.trainable, step_counter)

# %% [markdown]
# ## Variables and gradients
#
# A `GradientTape` watches every trainable variable it sees used. That is why a training
# step needs no bookkeeping: compute the loss, ask for gradients with respect to the
# variables, update them.

# %%
w = tf.Variable(3.0)
with tf.GradientTape() as tape:
    loss = (w - 1.0) ** 2
grad = tape.gradient(loss, w)
print("d loss / d w =", grad.numpy())      # 2 (w - 1) = 4
w.assign_sub(0.25 * grad)
print("after one step:", w.numpy())

# %% [markdown]
# ## Variables in traced functions
#
# A `tf.function` *captures* the variables it uses by reference: the graph reads the
# current value at every call. Updating the variable needs no new trace:

# %%
scale = tf.Variable(2.0)

@tf.function
def scaled(x):
    return x * scale

print(scaled(tf.constant(10.0)).numpy())
scale.assign(3.0)
print(scaled(tf.constant(10.0)).numpy())
print("traces:", scaled.experimental_get_tracing_count())

# %% [markdown]
# ## Placement
#
# Like tensors, variables live on a device. `tf.device` chooses one for everything made
# inside the block; minitf picks the GPU by default when it sees one.

# %%
with tf.device("CPU:0"):
    a = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    c = tf.matmul(a, b)
print(c)
print(a.device)

# %% [markdown]
# ## What you learned, and where to go next
#
# - A `tf.Variable` has a fixed shape and dtype and a value that `assign*` replaces.
# - Ops read a variable's current value and return tensors.
# - Tapes watch trainable variables automatically; traced functions read them by
#   reference, so updates need no retracing.
#
# Try: create a variable inside a `tf.function` and read the error minitf raises — it
# tells you where the variable should be created instead.
#
# Next: how the tape finds gradients, with a look at what it records:
# [Automatic differentiation](04_autodiff.py).
