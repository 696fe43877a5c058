'use strict'
const { half } = require('..')

describe('more', () => {
  test('halves six', () => expect(half(6)).toBe(3))
  test('halves zero', () => expect(half(0)).toBe(0))
})
