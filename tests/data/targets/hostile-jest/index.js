'use strict'

exports.add = (a, b) => a + b + 1

exports.half = (n) => n / 2
