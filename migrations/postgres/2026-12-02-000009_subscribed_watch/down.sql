UPDATE resources SET watch = watch & ~4;
