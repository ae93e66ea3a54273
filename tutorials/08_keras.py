# %% [markdown]
# # Keras: classify handwritten digits
#
# Tutorial 07 wrote the training loop by hand. Keras packages it: stack layers in a
# `Sequential` model, `compile` it with an optimizer, a loss and metrics, and `fit` it.
# Callbacks let you hook into the loop — to log, to stop early, to save the best model.
#
# The data set is scikit-learn's small digits set: 1,797 images of handwritten digits,
# 8×8 pixels each. It ships with scikit-learn, so nothing is downloaded, and a model
# trains on it in a couple of seconds on a CPU.
#
# Run it with `python tutorials/08_keras.py`.

# %%
import os
import tempfile

import numpy as np
from sklearn.datasets import load_digits
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

import minitf as tf

tf.random.set_seed(0)
workdir = tempfile.mkdtemp(prefix="minitf-keras-")   # where the checkpoints go

# %% [markdown]
# ## The data
#
# Pixel values run from 0 to 16; dividing by 16 puts them in [0, 1], a range that
# suits the initial weights. We shuffle once, keep 1,500 images for training and the
# rest as a test set the model never sees while training.

# %%
digits = load_digits()
images = digits.images.astype("float32") / 16.0
labels = digits.target.astype("int64")

order = np.random.default_rng(0).permutation(len(labels))
images, labels = images[order], labels[order]
x_train, y_train = images[:1500], labels[:1500]
x_test, y_test = images[1500:], labels[1500:]
print("train:", x_train.shape, "test:", x_test.shape)

# %%
plt.figure(figsize=(8, 2))
for i in range(10):
    plt.subplot(1, 10, i + 1)
    plt.imshow(x_train[i], cmap="gray_r")
    plt.title(int(y_train[i]))
    plt.axis("off")

# %% [markdown]
# ## The model
#
# A `Sequential` model applies its layers in order:
#
# - `Flatten` turns each 8×8 image into a vector of 64 pixels;
# - `Dense(64, activation="relu")` is the hidden layer;
# - `Dropout(0.2)` zeroes a random fifth of the hidden units during training only, so
#   the network cannot lean on any single one;
# - `Dense(10)` gives one score (a *logit*) per digit.
#
# Starting with `tf.keras.Input` tells Keras the input shape, so it can create every
# weight now and print the summary:

# %%
model = tf.keras.Sequential([
    tf.keras.Input(shape=(8, 8)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10),
])
model.summary()

# %% [markdown]
# The first `Dense` has 64×64 weights plus 64 biases = 4,160 parameters.
#
# ## Compile
#
# `compile` chooses the three things the loop needs besides data:
#
# - the optimizer: Adam, which adapts a step size per weight;
# - the loss: cross-entropy between the softmax of the logits and the integer label
#   (`from_logits=True` says the model outputs raw scores, not probabilities);
# - metrics to report: accuracy.

# %%
model.compile(
    optimizer=tf.keras.optimizers.Adam(learning_rate=1e-2),
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)

# %% [markdown]
# ## Callbacks
#
# `fit` calls a callback's `on_epoch_end` with that epoch's metrics. Here are three:
# our own, which prints a line every five epochs; `EarlyStopping`, which stops when the
# validation loss has not improved for three epochs and restores the best weights; and
# `ModelCheckpoint`, which saves the model whenever the validation loss improves.

# %%
class PrintEveryFive(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch % 5 == 0:
            print(f"epoch {epoch:2d}: loss={logs['loss']:.3f} "
                  f"val_loss={logs['val_loss']:.3f} val_accuracy={logs['val_accuracy']:.3f}")

best_path = os.path.join(workdir, "best.keras")
callbacks = [
    PrintEveryFive(),
    tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=3,
                                     restore_best_weights=True),
    tf.keras.callbacks.ModelCheckpoint(best_path, monitor="val_loss", save_best_only=True),
]

# %% [markdown]
# ## Fit
#
# `validation_split=0.2` holds back the last fifth of the training data to measure the
# model on images it does not train on, after every epoch.

# %%
history = model.fit(x_train, y_train, epochs=40, batch_size=32,
                    validation_split=0.2, callbacks=callbacks, verbose=0)
print("trained for", len(history.history["loss"]), "epochs")

# %% [markdown]
# Early stopping ended training well before the 40 epochs we allowed.
# `history.history` holds every metric of every epoch: the training loss keeps falling,
# while the validation loss flattens out — the point where more training stops helping:

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
ax_loss.plot(history.history["loss"], label="training")
ax_loss.plot(history.history["val_loss"], label="validation")
ax_loss.set_xlabel("epoch")
ax_loss.set_title("loss")
ax_loss.legend()
ax_acc.plot(history.history["accuracy"], label="training")
ax_acc.plot(history.history["val_accuracy"], label="validation")
ax_acc.set_xlabel("epoch")
ax_acc.set_title("accuracy")
ax_acc.legend()

# %% [markdown]
# ## Evaluate and predict
#
# Now the test set, which played no part in training or in choosing when to stop:

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {test_accuracy:.3f}")

# %% [markdown]
# `predict` returns the logits as a NumPy array; the predicted digit is the largest.
# Red titles mark mistakes:

# %%
logits = model.predict(x_test[:20], verbose=0)
predicted = np.argmax(logits, axis=1)

plt.figure(figsize=(10, 2.5))
for i in range(20):
    plt.subplot(2, 10, i + 1)
    plt.imshow(x_test[i], cmap="gray_r")
    ok = predicted[i] == y_test[i]
    plt.title(int(predicted[i]), color="black" if ok else "red")
    plt.axis("off")

# %% [markdown]
# To turn logits into probabilities, apply a softmax:

# %%
probabilities = tf.nn.softmax(logits[:1])
print(np.round(probabilities.numpy(), 3))

# %% [markdown]
# ## Load the best model
#
# `ModelCheckpoint` wrote `best.keras`: the architecture, as JSON, and the weights.
# Loading it rebuilds the model without our Python code, and it scores the same:

# %%
restored = tf.keras.models.load_model(best_path)
print(f"restored test accuracy: {restored.evaluate(x_test, y_test, verbose=0)[1]:.3f}")

# %% [markdown]
# ## What you learned, and where to go next
#
# - `Sequential` stacks layers; `Input` fixes the shapes up front so `summary()` can
#   count parameters.
# - `compile` picks optimizer, loss and metrics; `fit` runs the loop and returns the
#   history; `evaluate` and `predict` use the trained model.
# - Callbacks hook into the loop: your own, `EarlyStopping`, `ModelCheckpoint`.
#
# Try: remove the `Dropout` layer, or make the hidden layer 16 units wide, and compare
# the validation curves.
#
# Next: feeding data efficiently with [tf.data](09_data.py).
