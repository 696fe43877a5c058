'use strict'
const { add, half } = require('..')

describe('calc', () => {
  test('halves', () => expect(half(4)).toBe(2))
  test('adds', () => expect(add(1, 1)).toBe(2))
})
