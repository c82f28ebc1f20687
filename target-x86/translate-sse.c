/*
 * MMX and SSE instructions of the 0F, 0F 38 and 0F 3A maps.
 */
#include "target-x86/translate.h"

bool disas_sse(DisasContext *dc)
{
    (void)dc;
    return false;
}
