"""The rest of the word2vec assignment: negative sampling and the skip-gram window.

Laid out like the naive-softmax side (``properties.strategies``, ``oracles``, ``laws``, ``mistakes``):

* :mod:`~properties.assignment.strategies` -- the cases (``NegSamplingCase``, ``WindowCase``) and the
  Hypothesis strategies that draw them;
* :mod:`~properties.assignment.oracles` -- HIPS autograd and central finite differences of J and J_sg;
* :mod:`~properties.assignment.implementation` -- what the laws call, and adapters for plain functions
  in the course's conventions (with the grader's deterministic ``dataset``);
* :mod:`~properties.assignment.laws` -- the laws, citing docs/negative-sampling.md, eqs. (25)-(39);
* :mod:`~properties.assignment.mistakes` -- the named mistakes, as real functions, each with the law
  that must reject it.
"""
