/// <reference lib="dom" />
// placeholder replaced below
