// PodiumPrefetch is its header: a C target needs a source file to build.
#include "PodiumPrefetch.h"
