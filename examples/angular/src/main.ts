// The JIT compiler first: this example is bundled by esbuild without the Angular CLI (see README.md),
// so components and Angular's partially compiled packages are compiled in the browser at startup.
import '@angular/compiler';
import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { provideZonelessChangeDetection } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { ChatPage } from './chat-page.ts';
import { GATEWAY, tagRequests } from './gateway.ts';

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;

bootstrapApplication(ChatPage, {
  providers: [
    provideZonelessChangeDetection(),
    // the fetch backend reports download progress per network read: deltas render as they arrive
    provideHttpClient(withFetch(), withInterceptors([tagRequests])),
    { provide: GATEWAY, useValue: { url: meta('rxllm-url') ?? '/v1/chat/completions', model: meta('rxllm-model') ?? 'gpt-5-mini' } },
  ],
}).catch((error: unknown) => console.error(error));
