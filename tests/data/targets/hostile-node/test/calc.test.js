'use strict'
const assert = require('assert')
const { add, half } = require('..')

describe('calc', () => {
  it('halves', () => assert.strictEqual(half(4), 2))
  it('adds', () => assert.strictEqual(add(1, 1), 2))
})
