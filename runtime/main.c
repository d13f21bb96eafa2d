/* cspawn-runtime: a program of its own, so that cspawn's start pays
 * nothing for the runtime's verbs (runtime/runtime.h). */
#include "runtime/runtime.h"

int main(int argc, char **argv)
{
	return runtime_main(argc, argv);
}
