import { ensureBerthBridge } from '@berth/web-client';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';

// window.berth: the preload's in Electron, a WebSocket bridge in web mode — the same contract.
ensureBerthBridge();
createApp(App).use(createPinia()).mount('#app');
