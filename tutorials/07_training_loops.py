# %% [markdown]
# # Training loops
#
# Every training loop has the same four parts:
#
# 1. **data** — inputs and the targets the model should produce;
# 2. **a model** — a function with variables;
# 3. **a loss** — one number that says how wrong the model is;
# 4. **an update** — compute the loss's gradient and move each variable against it.
#
# This tutorial builds each part from scratch for a straight-line fit, watches the
# variables converge, then makes the step faster with `tf.function` and shorter with a
# Keras optimizer.
#
# Run it with `python tutorials/07_training_loops.py`.

# %%
import minitf as tf
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

tf.random.set_seed(7)

# %% [markdown]
# ## Data
#
# Points on the line `y = 3x + 2`, with Gaussian noise added:

# %%
TRUE_W, TRUE_B = 3.0, 2.0
NUM_EXAMPLES = 201

x = tf.linspace(-2.0, 2.0, NUM_EXAMPLES)
noise = tf.random.normal(shape=[NUM_EXAMPLES])
y = x * TRUE_W + TRUE_B + noise

plt.figure(figsize=(7, 4))
plt.plot(x.numpy(), y.numpy(), ".", label="Data")
plt.plot(x.numpy(), (x * TRUE_W + TRUE_B).numpy(), label="Ground truth")
plt.legend()

# %% [markdown]
# ## The model
#
# Two variables, `w` and `b`, deliberately started far from the truth:

# %%
class LinearModel(tf.Module):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def __call__(self, x):
        return self.w * x + self.b

model = LinearModel()
print(f"w={model.w.numpy()}, b={model.b.numpy()}, {len(model.trainable_variables)} trainable variables")

# %% [markdown]
# ## The loss
#
# The mean squared error between predictions and targets:

# %%
def loss(target_y, predicted_y):
    return tf.reduce_mean(tf.square(target_y - predicted_y))

print("loss before training:", loss(y, model(x)).numpy())

# %% [markdown]
# ## One step, then the loop
#
# A step computes the loss under a tape, takes its gradient with respect to `w` and `b`,
# and moves each variable a little (the *learning rate*) against its gradient:

# %%
def train_step(model, x, y, learning_rate):
    with tf.GradientTape() as tape:
        current_loss = loss(y, model(x))
    dw, db = tape.gradient(current_loss, [model.w, model.b])
    model.w.assign_sub(learning_rate * dw)
    model.b.assign_sub(learning_rate * db)
    return current_loss

# %% [markdown]
# Here each step uses the whole data set (201 points is tiny). We record the
# variables after every epoch to watch them move:

# %%
history = {"w": [], "b": [], "loss": []}
for epoch in range(15):
    current_loss = train_step(model, x, y, learning_rate=0.1)
    history["w"].append(model.w.numpy())
    history["b"].append(model.b.numpy())
    history["loss"].append(loss(y, model(x)).numpy())
    print(f"epoch {epoch:2d}: w={history['w'][-1]:1.2f} b={history['b'][-1]:1.2f} "
          f"loss={history['loss'][-1]:2.5f}")

# %% [markdown]
# Both variables approach their true values:

# %%
plt.figure(figsize=(7, 4))
plt.plot(history["w"], label="w")
plt.plot(history["b"], label="b")
plt.axhline(TRUE_W, color="C0", linestyle="--", label="true w")
plt.axhline(TRUE_B, color="C1", linestyle="--", label="true b")
plt.xlabel("epoch")
plt.legend()

# %% [markdown]
# And the fitted line now lies over the data:

# %%
plt.figure(figsize=(7, 4))
plt.plot(x.numpy(), y.numpy(), ".", label="Data")
plt.plot(x.numpy(), (x * TRUE_W + TRUE_B).numpy(), label="Ground truth")
plt.plot(x.numpy(), model(x).numpy(), label="Predictions")
plt.legend()

# %% [markdown]
# The loss cannot reach zero: the noise we added has variance 1, and no line can
# predict noise. The final loss is close to 1 for that reason.
#
# ## A faster step: `tf.function`
#
# The step is the same few operations every time — a perfect candidate for a traced
# graph. Decorating it is all it takes; the variables are captured by reference:

# %%
fast_step = tf.function(train_step)
model = LinearModel()
for epoch in range(15):
    fast_step(model, x, y, 0.1)
print(f"w={model.w.numpy():1.2f} b={model.b.numpy():1.2f}, "
      f"traced {fast_step.experimental_get_tracing_count()} time(s)")

# %% [markdown]
# (The learning rate is a Python float, so it is part of the signature: calling with a
# different rate would trace again. Pass `tf.constant(0.1)` to share one graph.)
#
# ## Mini-batches and an optimizer
#
# Real data sets do not fit in one step. `tf.data` cuts them into shuffled
# mini-batches (tutorial 09), and a Keras optimizer owns the update rule — here plain
# SGD with momentum, which keeps a running average of past gradients and so needs state
# of its own:

# %%
model = LinearModel()
optimizer = tf.keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(NUM_EXAMPLES, seed=1).batch(32)

@tf.function
def optimizer_step(x_batch, y_batch):
    with tf.GradientTape() as tape:
        batch_loss = loss(y_batch, model(x_batch))
    grads = tape.gradient(batch_loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return batch_loss

epoch_losses = []
for epoch in range(10):
    for x_batch, y_batch in dataset:
        optimizer_step(x_batch, y_batch)
    epoch_losses.append(loss(y, model(x)).numpy())
print(f"w={model.w.numpy():1.2f} b={model.b.numpy():1.2f} final loss={epoch_losses[-1]:.3f}")

plt.figure(figsize=(7, 4))
plt.plot(epoch_losses)
plt.xlabel("epoch")
plt.ylabel("loss on all data")
plt.title("SGD with momentum, mini-batches of 32")

# %% [markdown]
# ## Clipping gradients
#
# One bad batch can give a huge gradient and throw the weights far away. A common guard
# rescales the gradients so that their *global norm* — the length of all of them taken
# as one long vector — stays under a bound. The direction of the step is kept; only its
# length is capped. `tf.clip_by_global_norm` returns the clipped list and the norm
# before clipping (worth logging: a norm that keeps hitting the bound says the learning
# rate is too high):

# %%
with tf.GradientTape() as tape:
    far_off_loss = loss(y, model(x) + 100.0)  # a batch the model predicts very badly
grads = tape.gradient(far_off_loss, model.trainable_variables)
clipped, norm = tf.clip_by_global_norm(grads, 1.0)
print(f"global norm before: {float(norm):.1f}, after: {float(tf.linalg.global_norm(clipped)):.3f}")

# %% [markdown]
# (Keras optimizers do this for you: `SGD(..., global_clipnorm=1.0)`; `clipnorm=`
# clips each gradient on its own, with `tf.clip_by_norm`.)
#
# ## What you learned, and where to go next
#
# - A training loop is data, a model, a loss and an update; the tape links them.
# - Watching the variables shows convergence — and the loss floor set by the noise.
# - `tf.function` turns the step into one graph; keep changing Python numbers out of
#   its arguments.
# - An optimizer's `apply_gradients` replaces the hand-written update.
# - `tf.clip_by_global_norm` caps the length of a step without changing its direction.
#
# Try: raise the learning rate of the first loop to 1.0 and watch `w` oscillate; what
# is the largest rate that still converges?
#
# Next: Keras runs this loop for you, with metrics and callbacks:
# [Keras](08_keras.py).
