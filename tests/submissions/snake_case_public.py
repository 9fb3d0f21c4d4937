#!/usr/bin/env python

# Save parameters every a few SGD iterations as fail-safe
SAVE_PARAMS_EVERY = 5000

import glob
import os.path as op
import pickle
import random

import numpy as np

from utils.gradcheck import gradcheck_naive
from utils.sanity_checks import *
from utils.utils import softmax


def sigmoid(x):
  """ Compute the sigmoid function for the input here. """
  s = 1 / (1 + np.exp(-x))
  return s


def naive_softmax_loss_and_gradient(center_word_vec,outside_word_idx,outside_vectors,dataset):
  """ Naive Softmax loss & gradient function for word2vec models

  center_word_vec -- numpy ndarray, center word's embedding (v_c in the pdf handout)
  outside_word_idx -- integer, the index of the outside word (o of u_o in the pdf handout)
  outside_vectors -- outside vectors (rows of matrix) for all words in vocab (U in the pdf handout)
  dataset -- needed for negative sampling, unused here.
  """
  ### Please use the provided softmax function (imported earlier in this file)
  scores = np.dot(center_word_vec, outside_vectors.T)
  y_hat = softmax(scores)

  # (y_hat - y) is also the change of every logit
  delta = y_hat.copy()
  delta[outside_word_idx] -= 1

  loss = -np.log(y_hat[outside_word_idx])
  grad_center_vec = np.dot(delta, outside_vectors)
  grad_outside_vecs = np.dot(delta[:, np.newaxis], center_word_vec[np.newaxis, :])
  return loss, grad_center_vec, grad_outside_vecs


def save_params(iter, params):
  params_file = "saved_params_%d.npy" % iter
  np.save(params_file, params)
  with open("saved_state_%d.pickle" % iter, "wb") as f:
    pickle.dump(random.getstate(), f)


if __name__ == "__main__":
  dataset, dummy_vectors, dummy_tokens = dummy()
  print(naive_softmax_loss_and_gradient(inputs['test_naivesoftmax']['center_word_vec'],
                                        inputs['test_naivesoftmax']['outside_word_idx'],
                                        inputs['test_naivesoftmax']['outside_vectors'], dataset))
