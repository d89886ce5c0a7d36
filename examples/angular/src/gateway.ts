import { InjectionToken } from '@angular/core';
import type { HttpInterceptorFn } from '@angular/common/http';

/** Where the app's LLM requests go: an OpenAI-compatible endpoint (`rxllm serve`) and its model. */
export const GATEWAY = new InjectionToken<{ readonly url: string; readonly model: string }>('rxllm gateway');

/** An interceptor, as an app's auth interceptor would be: it applies to the streamed chat requests too. */
export const tagRequests: HttpInterceptorFn = (req, next) => next(req.clone({ setHeaders: { 'x-app': 'rxllm-angular-example' } }));
